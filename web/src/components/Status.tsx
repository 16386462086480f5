import type { ApiError } from "../api.js";

/**
 * Loading / error in one place, announced to screen readers. `optional` marks an API area another
 * part of Slipway provides (pipelines, dead letters): a 404 there says so instead of an error.
 */
export function LoadState(props: {
  error: ApiError | undefined;
  loading: boolean;
  what: string;
  optional?: boolean;
}) {
  const { error, loading, what } = props;
  if (error) {
    if (error.status === 404 && props.optional) {
      return (
        <p class="notice" role="status">
          {what} is not available on this server (the API answered 404 for it).
        </p>
      );
    }
    return (
      <p class="error" role="alert">
        Cannot load {what}: {error.message}
      </p>
    );
  }
  if (loading)
    return (
      <p class="muted" role="status">
        Loading {what}…
      </p>
    );
  return null;
}
