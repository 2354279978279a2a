// The pages' only way to the data: the HTTP API, with the approver's bearer token kept in sessionStorage
// (this tab only), and the live feed over server-sent events.

const KEY = 'disputeflow.approverToken';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * Calls the API as the approver; a 401 forgets the token and tells the page to ask again. `headers` adds
 * request headers (If-Match on decisions).
 */
export async function api(path, { method = 'GET', body, auth = true, headers: extra = {} } = {}) {
  const headers = { accept: 'application/json', ...extra };
  const t = token.get();
  if (auth) {
    if (!t) throw new ApiError(401, 'unauthorized', 'the approver token is needed');
    headers.authorization = `Bearer ${t}`;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'the server cannot be reached');
  }
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const e = json?.error ?? {};
    if (res.status === 401 && auth) {
      token.clear();
      window.dispatchEvent(new CustomEvent('disputeflow:signed-out', { detail: e.message }));
    }
    throw new ApiError(res.status, e.code ?? 'http_error', e.message ?? `HTTP ${res.status}`, e.details);
  }
  return json;
}

/** The server's clock minus ours (the server may run on an injected clock): add it to Date.now(). */
export async function clockOffset() {
  try {
    const { now } = await api('/api/time', { auth: false });
    return new Date(now).getTime() - Date.now();
  } catch {
    return 0;
  }
}

/**
 * Subscribes to GET /api/live. handlers: {run(notice), resync(), state('live'|'connecting'|'offline')}.
 * EventSource cannot send headers, so the token travels as ?token= (accepted on this endpoint only).
 * Returns a function that closes the feed.
 */
export function liveFeed(handlers) {
  let es;
  let retry;
  let closed = false;
  const open = () => {
    const t = token.get();
    if (!t || closed) return;
    handlers.state?.('connecting');
    es = new EventSource(`/api/live?token=${encodeURIComponent(t)}`);
    es.addEventListener('hello', () => handlers.state?.('live'));
    es.addEventListener('run', (m) => handlers.run?.(JSON.parse(m.data)));
    es.addEventListener('resync', () => handlers.resync?.());
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        // Refused (e.g. 401) or the server went away for good: try again later, from scratch.
        handlers.state?.('offline');
        clearTimeout(retry);
        retry = setTimeout(open, 5000);
      } else handlers.state?.('connecting');
    });
    // The server says hello once its LISTEN is active (again after a reconnect): re-read what the page shows,
    // so a commit made between the page's first read and the LISTEN is not missed.
    es.addEventListener('hello', () => handlers.resync?.());
  };
  open();
  return () => {
    closed = true;
    clearTimeout(retry);
    es?.close();
  };
}

/** Runs fn at most once per `ms`, and once more after the last call. */
export function throttle(fn, ms) {
  let timer = null;
  let pending = false;
  let last = 0;
  return () => {
    const wait = last + ms - Date.now();
    if (wait <= 0 && !timer) {
      last = Date.now();
      fn();
      return;
    }
    pending = true;
    if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        if (pending) {
          pending = false;
          last = Date.now();
          fn();
        }
      }, Math.max(wait, 0));
    }
  };
}
