/**
 * One distinct sound per outcome, made with WebAudio (no files to ship): a rising double beep for OK, a low buzz
 * for a refusal, a three-note call for "needs a person", a short chord for a finished return. Each tone pattern
 * differs in pitch and rhythm so it is told apart without looking, also by people who hear pitch poorly.
 */
export type SoundName = 'ok' | 'error' | 'attention' | 'done';

const PATTERNS: Record<SoundName, Array<{ f: number; at: number; dur: number; type: OscillatorType; gain: number }>> = {
  ok: [
    { f: 880, at: 0, dur: 0.07, type: 'sine', gain: 0.25 },
    { f: 1320, at: 0.09, dur: 0.09, type: 'sine', gain: 0.25 },
  ],
  error: [
    { f: 160, at: 0, dur: 0.18, type: 'square', gain: 0.18 },
    { f: 130, at: 0.22, dur: 0.28, type: 'square', gain: 0.18 },
  ],
  attention: [
    { f: 660, at: 0, dur: 0.12, type: 'triangle', gain: 0.3 },
    { f: 660, at: 0.18, dur: 0.12, type: 'triangle', gain: 0.3 },
    { f: 990, at: 0.36, dur: 0.2, type: 'triangle', gain: 0.3 },
  ],
  done: [
    { f: 523, at: 0, dur: 0.25, type: 'sine', gain: 0.15 },
    { f: 659, at: 0.05, dur: 0.25, type: 'sine', gain: 0.15 },
    { f: 784, at: 0.1, dur: 0.3, type: 'sine', gain: 0.15 },
  ],
};

let ctx: AudioContext | undefined;
/** Sounds played, newest last (the browser tests read it; a kiosk cannot be listened to in CI). */
export const played: SoundName[] = [];

export function playSound(name: SoundName): void {
  played.push(name);
  if (played.length > 100) played.shift();
  document.body.dataset.lastSound = name;
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
    const t0 = ctx.currentTime + 0.01;
    for (const n of PATTERNS[name]) {
      const osc = ctx.createOscillator();
      const g = ctx.createGain();
      osc.type = n.type;
      osc.frequency.value = n.f;
      g.gain.setValueAtTime(0, t0 + n.at);
      g.gain.linearRampToValueAtTime(n.gain, t0 + n.at + 0.01);
      g.gain.linearRampToValueAtTime(0, t0 + n.at + n.dur);
      osc.connect(g).connect(ctx.destination);
      osc.start(t0 + n.at);
      osc.stop(t0 + n.at + n.dur + 0.02);
    }
  } catch {
    /* no audio device: the colour and the text still say it */
  }
}
