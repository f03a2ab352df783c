/**
 * An event is stored twice in one action: in its item's row (wf_items.events_json, for corrections) and in the outbox.
 * The first writer keeps the JSON it made, the second takes it (once), so a large EPCIS event is serialised once.
 * Only for objects nobody changes after they are built; a taken entry is gone, so a later write serialises again.
 */
const made = new WeakMap<object, string>();

/** JSON.stringify(o), kept for one `takeJson(o)`. */
export function jsonKept(o: object): string {
  const s = JSON.stringify(o);
  made.set(o, s);
  return s;
}

/** The JSON `jsonKept` made for `o`, if any (then forgotten). */
export function takeJson(o: object): string | undefined {
  const s = made.get(o);
  if (s !== undefined) made.delete(o);
  return s;
}

/**
 * JSON.stringify({ ...o, [key]: value }) from o's JSON, without copying o: the key goes last, as the spread puts it
 * when o does not have it. `json` must be JSON.stringify(o) of a plain object.
 */
export function jsonWith(o: object, json: string, key: string, value: number): string {
  if (Object.hasOwn(o, key) || json.length < 3 || typeof (o as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify({ ...o, [key]: value });
  return `${json.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value)}}`;
}
