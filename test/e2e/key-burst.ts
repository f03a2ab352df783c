/**
 * Keyboard-wedge scans for the browser tests, as trusted key events through CDP (Input.dispatchKeyEvent).
 *
 * Why the events carry their own timestamps: the wedge decoder (devices/scanner/wedge.ts) tells a scan from typing by
 * the gaps between KeyboardEvent.timeStamp values. A real scanner's keys get their times from the hardware, 1-15 ms
 * apart, whatever the PC is doing. A CDP key event without `timestamp` gets the time at which the browser process
 * handled the command instead, so on a loaded 2-core CI machine (two vitest workers, the station, Chromium) keys sent
 * back to back still arrived 30+ ms apart now and then and the scan was taken as typing: a lost scan, a flaky test.
 * With `timestamp` set, the page sees the spacing of a real scanner; everything else stays real: trusted events, the
 * physical key (`code`) and the host layout's character (`key`), dispatched by Chromium's input pipeline in order.
 *
 * All events of one burst are sent back to back and awaited together (no round trip between keys); Chromium handles
 * them in the order sent, and each command answers once the page has handled its event.
 */
import type { CDPSession } from 'playwright-core';

/** Input.dispatchKeyEvent parameters, less `timestamp` (sendKeyBurst sets it). */
export interface KeyEventParams {
  type: 'keyDown' | 'rawKeyDown' | 'keyUp';
  code: string;
  key: string;
  text?: string;
  unmodifiedText?: string;
  windowsVirtualKeyCode: number;
  /** CDP bit field: Alt 1, Ctrl 2, Meta 4, Shift 8. */
  modifiers?: number;
}

/** Between two consecutive key events of a burst (keydown → keyup → keydown): 6 ms per key, a typical scanner. */
export const SCAN_EVENT_GAP_MS = 3;

/**
 * `scanner.maxInterKeyMs` for the stations of the browser tests (a real station keeps the default, 30 ms). With the
 * timestamps above the decoder's gap check is exact, but its flush timer (maxInterKeyMs + 5 ms after the last key,
 * compared with performance.now()) is real time: if the page's main thread is held up that long between two keys of
 * one burst, the burst is broken off. A scanner's keys come 1-15 ms apart and a person types > 100 ms apart, so 80 ms
 * still splits scans from typing, and leaves the real-time timer room for a busy CI machine. No test on these
 * stations types with real key events at human speed; the fast-typing cases (BUG-16) are the decoder's unit tests and
 * test/e2e/scanner/scanner.e2e.test.ts.
 */
export const TEST_MAX_INTER_KEY_MS = 80;

/**
 * Sends `events` as one scanner burst, SCAN_EVENT_GAP_MS apart by their timestamps, and waits until all are handled.
 * The burst is dated so that its last event happens now: no event may be dated after the page handles it, as with real
 * hardware. (The decoder arms its flush timer when it handles a key and compares the key's timeStamp with
 * performance.now() when the timer fires; a key dated in the future makes that check come out "not yet", the timer is
 * not re-armed, and a short burst typed into a field would keep its characters: BUG-16 c, seen under load.)
 */
export async function sendKeyBurst(cdp: CDPSession, events: readonly KeyEventParams[], gapMs = SCAN_EVENT_GAP_MS): Promise<void> {
  const t0 = Date.now() - (events.length - 1) * gapMs - 1;
  // Input.dispatchKeyEvent takes seconds since the epoch (TimeSinceEpoch).
  await Promise.all(events.map((e, i) => cdp.send('Input.dispatchKeyEvent', { ...e, timestamp: (t0 + i * gapMs) / 1000 })));
}

/** keydown (with its text, unless a control key) and keyup of one key. */
export function press(k: { code: string; key: string; text?: string; vk: number; modifiers?: number }): KeyEventParams[] {
  const mods = k.modifiers ? { modifiers: k.modifiers } : {};
  const down: KeyEventParams = k.text
    ? { type: 'keyDown', code: k.code, key: k.key, text: k.text, unmodifiedText: k.text, windowsVirtualKeyCode: k.vk, ...mods }
    : { type: 'rawKeyDown', code: k.code, key: k.key, windowsVirtualKeyCode: k.vk, ...mods };
  return [down, { type: 'keyUp', code: k.code, key: k.key, windowsVirtualKeyCode: k.vk, ...mods }];
}
