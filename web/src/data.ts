import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.js";
import { onChange } from "./live.js";
import type { Change } from "./types.js";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` and reloads it when a live change concerns it (`relevant`, default: every change),
 * at most every 250 ms, so a burst of events costs one request.
 */
export function useData<T>(
  load: () => Promise<T>,
  deps: unknown[],
  relevant: (change: Change) => boolean = () => true,
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(e instanceof ApiError ? e : new ApiError(0, "CLIENT", String(e)));
        setLoading(false);
      },
    );
  }, deps);

  // A layout effect runs right after render; a plain effect waits for the next frame, which in a
  // background tab or headless browser can be 100 ms later: that delay was the first render's.
  useLayoutEffect(() => {
    setLoading(true);
    reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onChange((change) => {
      if (change && !relevantRef.current(change)) return;
      timer ??= setTimeout(() => {
        timer = undefined;
        reload();
      }, 250);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [reload]);

  return { data, error, loading, reload };
}
