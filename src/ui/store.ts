/**
 * A tiny observable value: enough state management for a kiosk with a handful of live values, and no extra
 * library to keep up to date.
 */
import { useEffect, useState } from 'preact/hooks';

export class Store<T> {
  private readonly subs = new Set<(v: T) => void>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(v: T): void {
    if (Object.is(v, this.value)) return;
    this.value = v;
    for (const s of [...this.subs]) s(v);
  }

  update(fn: (v: T) => T): void {
    this.set(fn(this.value));
  }

  subscribe(fn: (v: T) => void): () => void {
    this.subs.add(fn);
    return () => {
      this.subs.delete(fn);
    };
  }
}

/** Re-render the component whenever the store changes. */
export function useStore<T>(s: Store<T>): T {
  const [v, setV] = useState(s.get());
  useEffect(() => {
    setV(s.get());
    return s.subscribe(setV);
  }, [s]);
  return v;
}
