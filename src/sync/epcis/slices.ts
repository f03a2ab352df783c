/**
 * The exact text of each element of `epcisBody.eventList` in an EPCISDocument, found by a structural scan rather
 * than by parsing the document and serialising every event again. HQ stores each event as the station sent it
 * (byte for byte what the station's outbox holds) and saves one JSON.stringify per event on its hot path.
 *
 * The scan only locates; parsing still decides. `splitEventList` succeeds only when the separators between the
 * elements are exactly JSON's (commas and whitespace) and the document is well formed around the list, so a caller
 * that then parses every slice and the document with its list emptied has checked the whole text is valid JSON.
 * Anything unusual (escaped key names, a second eventList, truncation) returns undefined, and the caller falls
 * back to parsing the whole document.
 */
export interface EventListSlices {
  /** the document with the list emptied (`"eventList":[]`) */
  outer: string;
  events: string[];
  /** where each event's text starts and ends in the document (`events[i] === text.slice(starts[i], ends[i])`) */
  starts: number[];
  ends: number[];
}

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the quote that closes the string opening at `i`, or -1. */
function stringEnd(text: string, i: number): number {
  let j = text.indexOf('"', i + 1);
  while (j !== -1) {
    let k = j - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
  return -1;
}

/**
 * Index of the bracket that closes the object or array opening at `i` (only brackets outside strings count), or -1.
 * Mismatched bracket kinds are left for JSON.parse of the slice to refuse.
 */
function containerEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = stringEnd(text, j);
      if (j < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return j;
  }
  return -1;
}

interface Frame {
  array: boolean;
  key: string | undefined;
}

export function splitEventList(text: string): EventListSlices | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  let lastKey: string | undefined;
  let listOpen = -1;
  let listClose = -1;
  let events: string[] | undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  let elementStart = -1;
  const inList = (): boolean =>
    stack.length === 3 && stack[2]?.array === true && stack[2].key === 'eventList' && stack[1]?.key === 'epcisBody' && stack[1].array === false && stack[0]?.array === false;
  const endElement = (at: number): boolean => {
    let e = at;
    while (e > elementStart && isWs(text.charCodeAt(e - 1))) e--;
    if (elementStart < 0 || e <= elementStart || !events) return false;
    events.push(text.slice(elementStart, e));
    starts.push(elementStart);
    ends.push(e);
    elementStart = -1;
    return true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isWs(c)) continue;
    const listLevel = events !== undefined && listClose < 0 && inList();
    if (listLevel && elementStart < 0 && c !== 0x5d /* ] */ && c !== 0x2c /* , */) {
      elementStart = i;
      if (c === 0x7b || c === 0x5b) {
        // An event: nothing inside it matters to the scan, so jump to its end.
        const end = containerEnd(text, i);
        if (end < 0) return undefined;
        i = end;
        continue;
      }
    }
    if (c === QUOTE) {
      const j = stringEnd(text, i);
      if (j < 0) return undefined;
      if (expectKey) lastKey = text.slice(i + 1, j);
      i = j;
      continue;
    }
    switch (c) {
      case 0x7b: /* { */
      case 0x5b /* [ */: {
        const frame: Frame = { array: c === 0x5b, key: stack.length > 0 && !stack[stack.length - 1]?.array ? lastKey : undefined };
        stack.push(frame);
        expectKey = !frame.array;
        lastKey = undefined;
        if (inList()) {
          if (events !== undefined) return undefined; // a second eventList
          events = [];
          listOpen = i;
        }
        break;
      }
      case 0x7d: /* } */
      case 0x5d /* ] */: {
        const closingList = inList() && listClose < 0 && c === 0x5d;
        if (closingList) {
          if (elementStart >= 0) {
            if (!endElement(i)) return undefined;
          } else if (events && events.length > 0) return undefined; // a trailing comma
          listClose = i;
        }
        const top = stack.pop();
        if (!top || top.array !== (c === 0x5d)) return undefined;
        expectKey = false;
        break;
      }
      case 0x2c /* , */:
        if (listLevel) {
          if (elementStart < 0 || !endElement(i)) return undefined;
        }
        expectKey = stack.length > 0 && !stack[stack.length - 1]?.array;
        break;
      case 0x3a /* : */:
        expectKey = false;
        break;
      default:
        break;
    }
  }
  if (stack.length !== 0 || !events || listOpen < 0 || listClose < 0) return undefined;
  return { outer: text.slice(0, listOpen + 1) + text.slice(listClose), events, starts, ends };
}
