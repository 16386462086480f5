import { useEffect, useState } from "preact/hooks";

/** History-API routing: the server answers every non-API path with index.html (SPA fallback). */
export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, force] = useState(0);
  useEffect(() => {
    const update = () => force((n) => n + 1);
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Intercepts plain left clicks on same-origin links so navigation stays in the page. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    const link = (event.target as Element).closest("a");
    if (!link || link.target || link.origin !== location.origin || link.pathname.startsWith("/api/")) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
}
