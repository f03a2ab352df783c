/**
 * Idempotency keys for the screens' buttons (BUG-66). A key belongs to an action as the screen presents it — this
 * answer to this question of this item, closing this case, signing out this session — not to a tap. A double tap or
 * a retry of the same action sends the same key, and the station answers with the stored result (`duplicate: true`):
 * nothing is done twice and the second tap is not refused as "no longer open". Another action gets another key, so
 * the station's IDEMPOTENCY_CONFLICT still stops one key from being used for two different things.
 *
 * A component keeps its keys for as long as it is mounted (one presentation of its actions); the action names say
 * what was presented (item, question, value …), so a new presentation gets new keys.
 */
import { useRef } from 'preact/hooks';
import { newKey } from './api.js';

/** Two taps this close are one double tap (BUG-66: "double-taps within 300 ms"). */
export const DOUBLE_TAP_MS = 300;

/** Keys by action name; the newest `max` are kept (a screen shows a handful of actions at a time). */
export class ActionKeys {
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly make: () => string = newKey,
    private readonly max = 64,
  ) {}

  /** The key of `action` as presented now: the same on every call until it is forgotten. */
  key(action: string): string {
    let k = this.keys.get(action);
    if (k === undefined) {
      k = this.make();
      this.keys.set(action, k);
      if (this.keys.size > this.max) {
        const oldest = this.keys.keys().next();
        if (!oldest.done) this.keys.delete(oldest.value);
      }
    }
    return k;
  }

  /** What the action would send changed (a note edited): the next tap is a new action. No name: all of them. */
  forget(action?: string): void {
    if (action === undefined) this.keys.clear();
    else this.keys.delete(action);
  }
}

/** How far apart (CSS px) the two taps of one double tap may land: a finger does not hit the same pixel twice. */
export const DOUBLE_TAP_PX = 40;

export interface Tap {
  at: number;
  x: number;
  y: number;
}

/**
 * Buttons that take the place of others when an answer arrives (the next grading question where the last one was)
 * can catch the second half of a double tap meant for the buttons before them. A tap on buttons that appeared after
 * the previous tap, at the same spot and less than DOUBLE_TAP_MS after it, is that second half: ignored. Taps on
 * the same buttons always go through (with the same key, so the station dedupes them), and so does a quick tap
 * elsewhere on new buttons (a deliberate answer to the next question).
 */
export class TapGuard {
  private last: Tap | undefined;

  /** Whether `tap` on buttons shown since `shownAt` is meant for them; a tap that is, is remembered. */
  accept(shownAt: number, tap: Tap): boolean {
    const l = this.last;
    if (l && shownAt > l.at && tap.at - l.at < DOUBLE_TAP_MS && Math.hypot(tap.x - l.x, tap.y - l.y) <= DOUBLE_TAP_PX) return false;
    this.last = tap;
    return true;
  }
}

/** A click as a Tap: when and where (a click from the keyboard has no position: 0, 0). */
export function tapOf(e: MouseEvent): Tap {
  return { at: performance.now(), x: e.clientX, y: e.clientY };
}

/** The component's keys, kept while it is mounted. */
export function useActionKeys(): ActionKeys {
  const ref = useRef<ActionKeys | null>(null);
  ref.current ??= new ActionKeys();
  return ref.current;
}

/** When the component was first shown (performance.now()), for TapGuard. */
export function useShownAt(): number {
  const ref = useRef<number | null>(null);
  ref.current ??= performance.now();
  return ref.current;
}
