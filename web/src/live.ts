import type { Change } from "./types.js";

export type LiveState = "connecting" | "live" | "reconnecting" | "polling";

type Listener = (change: Change | null) => void;
const listeners = new Set<Listener>();
const stateListeners = new Set<(state: LiveState) => void>();
let state: LiveState = "connecting";
let source: EventSource | undefined;
let retryMs = 1000;
let timer: ReturnType<typeof setTimeout> | undefined;
let pollTimer: ReturnType<typeof setInterval> | undefined;

function setState(next: LiveState): void {
  state = next;
  for (const listener of stateListeners) listener(next);
}

function emit(change: Change | null): void {
  for (const listener of [...listeners]) listener(change);
}

/**
 * Opens GET /api/events and keeps it open: EventSource retries dropped connections by itself, but
 * gives up on an HTTP error (401, 404, a restarting server), so we reconnect with backoff. While
 * disconnected, subscribers are nudged every few seconds (null change) to refetch: the page stays
 * current even without the stream, and after a reconnect it reloads what it may have missed.
 */
export function connect(): void {
  if (source) return;
  const es = new EventSource("/api/events", { withCredentials: true });
  source = es;
  es.addEventListener("open", () => {
    retryMs = 1000;
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = undefined;
    const wasDown = state !== "connecting" && state !== "live";
    setState("live");
    if (wasDown) emit(null);
  });
  es.addEventListener("change", (message) => {
    try {
      emit(JSON.parse((message as MessageEvent<string>).data) as Change);
    } catch {
      emit(null);
    }
  });
  es.addEventListener("error", () => {
    if (es.readyState === EventSource.CLOSED) {
      es.close();
      source = undefined;
      setState("reconnecting");
      pollTimer ??= setInterval(() => emit(null), 3000);
      if (timer) clearTimeout(timer);
      timer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15_000);
    } else {
      setState("reconnecting");
    }
  });
}

export function disconnect(): void {
  source?.close();
  source = undefined;
  if (timer) clearTimeout(timer);
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = undefined;
  setState("connecting");
}

/** Calls `listener` with every change (null = "something may have changed, refetch"). */
export function onChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onLiveState(listener: (state: LiveState) => void): () => void {
  stateListeners.add(listener);
  listener(state);
  return () => stateListeners.delete(listener);
}
