// @ts-check
// The model picker's entries from the repository index: one per served version, and for a model with
// config.json `traffic` one more that names no version, so a request is split as the server splits it.

/**
 * @typedef {{ name: string, version: string, state: string, reason?: string, traffic?: number }} IndexEntry
 */

/**
 * "1: 90 %, 2: 10 %": how a model's requests that name no version are split now (versions with a share).
 * Undefined for a model without traffic.
 * @param {IndexEntry[]} entries
 * @param {string} name
 * @returns {string | undefined}
 */
export function trafficSummary(entries, name) {
  const own = entries.filter((e) => e.name === name && e.traffic !== undefined);
  if (own.length === 0) return undefined;
  const shared = own.filter((e) => (e.traffic ?? 0) > 0);
  return shared.length
    ? shared.map((e) => `${e.version}: ${e.traffic} %`).join(', ')
    : 'no version can answer';
}

/**
 * The picker's options: per model, its split (value `name`) when it has traffic, then each version
 * (value `name:version`) with its share.
 * @param {IndexEntry[]} entries
 * @returns {HTMLOptionElement[]}
 */
export function modelOptions(entries) {
  /** @type {HTMLOptionElement[]} */
  const options = [];
  for (const e of entries) {
    const split = trafficSummary(entries, e.name);
    if (split !== undefined && !options.some((o) => o.value === e.name)) {
      const o = document.createElement('option');
      o.value = e.name;
      o.textContent = `${e.name}, split by traffic (${split})`;
      o.disabled = !entries.some((x) => x.name === e.name && x.state === 'READY' && (x.traffic ?? 0) > 0);
      options.push(o);
    }
    const o = document.createElement('option');
    o.value = `${e.name}:${e.version}`;
    const share = e.traffic !== undefined ? `, ${e.traffic} % of traffic` : '';
    o.textContent = `${e.name} ${e.version}${share}${e.state === 'READY' ? '' : ` (${e.state})`}`;
    o.disabled = e.state !== 'READY';
    if (e.reason) o.title = e.reason;
    options.push(o);
  }
  return options;
}

/**
 * The option to start with: the split of the model `?model=` names (else of the first ready model) when
 * it has traffic, else that model's first ready version.
 * @param {IndexEntry[]} entries
 * @param {string | null} wanted
 * @returns {string | undefined}
 */
export function firstChoice(entries, wanted) {
  const ready = entries.filter((e) => e.state === 'READY');
  const pick = ready.find((e) => e.name === wanted) ?? ready[0];
  if (!pick) return undefined;
  const split = ready.some((e) => e.name === pick.name && (e.traffic ?? 0) > 0);
  return split ? pick.name : `${pick.name}:${pick.version}`;
}
