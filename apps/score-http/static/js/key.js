// @ts-check
// The function key a page sends with each API call (HTTP_AUTH_LEVEL=function). The page never holds one
// of its own: it is given one in its address (`?code=`, as Azure's own links carry it) or typed into the
// key field, and keeps it for this tab only.

const STORE = 'modelfn.functionKey';

/**
 * Takes `?code=` from the address (and removes it from the address bar and history, so it does not stay
 * in bookmarks or screenshots), else the key kept for this tab.
 * @returns {string}
 */
export function takeKey() {
  const url = new URL(window.location.href);
  const given = url.searchParams.get('code');
  if (given !== null) {
    setKey(given);
    url.searchParams.delete('code');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return currentKey();
}

/** @returns {string} */
export function currentKey() {
  return window.sessionStorage.getItem(STORE) ?? '';
}

/** @param {string} key */
export function setKey(key) {
  if (key) window.sessionStorage.setItem(STORE, key);
  else window.sessionStorage.removeItem(STORE);
}

/**
 * The header the Functions host reads a function key from; none when no key was given.
 * @returns {Record<string, string>}
 */
export function keyHeaders() {
  const key = currentKey();
  return key ? { 'x-functions-key': key } : {};
}
