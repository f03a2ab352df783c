import { createLogger } from './logger.js';

const log = createLogger('bus');

/**
 * A typed event bus. Components subscribe in start() and must remove what they added in stop():
 * `on` returns the unsubscribe function so that is one line.
 */
export type Listener<T> = (payload: T) => void;

export class TypedBus<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      // A faulty listener must not stop the others (one broken UI socket must not stall a reader).
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (e) {
        log.error({ err: e, event: String(event) }, 'event listener failed');
      }
    }
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  clear(): void {
    this.listeners.clear();
  }
}
