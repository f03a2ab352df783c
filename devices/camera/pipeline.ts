/**
 * The camera decoding pipeline (browser-safe; the Node twin in ./node.ts feeds it image files).
 *
 * zxing-wasm runs on every frame: it is fast and reads 2-D codes. quagga2 runs only on frames where zxing-wasm
 * found nothing valid, and only on every `quaggaEvery`-th such frame, because it costs ~50x more per frame but reads
 * skewed 1-D codes zxing-wasm misses. Both feed one AcceptanceTracker, so a read becomes a scan by the same rules
 * whichever library produced it.
 */
import { AcceptanceTracker, validateRead, type AcceptanceOptions, type AcceptedScan, type DecoderName, type RawRead } from './acceptance.js';

export interface Frame {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export interface FrameDecoder {
  name: DecoderName;
  /** `variant` counts this decoder's runs so it can vary its settings between frames. */
  decode(frame: Frame, variant: number): Promise<RawRead[]>;
}

export interface PipelineOptions extends AcceptanceOptions {
  /** Run quagga2 on every Nth frame where zxing-wasm found nothing (1 = every such frame). Default 3. */
  quaggaEvery?: number;
}

export interface FrameResult {
  reads: RawRead[];
  accepted: AcceptedScan[];
  ran: DecoderName[];
}

export class DecodePipeline {
  readonly tracker: AcceptanceTracker;
  private readonly listeners = new Set<(s: AcceptedScan) => void>();
  private misses = 0;
  private quaggaRuns = 0;
  private zxingRuns = 0;
  private busy = false;

  constructor(
    private readonly zxing: FrameDecoder,
    private readonly quagga: FrameDecoder | null,
    private readonly opts: PipelineOptions = {},
  ) {
    this.tracker = new AcceptanceTracker(opts);
  }

  onScan(cb: (s: AcceptedScan) => void): () => void {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  /** True while a frame is being decoded: a camera loop should skip frames rather than queue them. */
  get isBusy(): boolean {
    return this.busy;
  }

  async process(frame: Frame, now: number): Promise<FrameResult> {
    this.busy = true;
    try {
      const ran: DecoderName[] = ['zxing-wasm'];
      let reads = await safeDecode(this.zxing, frame, this.zxingRuns++);
      if (!reads.some((r) => validateRead(r, this.opts).ok) && this.quagga) {
        this.misses++;
        if (this.misses % Math.max(1, this.opts.quaggaEvery ?? 3) === 0) {
          ran.push('quagga2');
          reads = [...reads, ...(await safeDecode(this.quagga, frame, this.quaggaRuns++))];
        }
      }
      const accepted = this.tracker.frame(reads, now);
      for (const scan of accepted) for (const cb of [...this.listeners]) cb(scan);
      return { reads, accepted, ran };
    } finally {
      this.busy = false;
    }
  }

  reset(): void {
    this.tracker.reset();
    this.misses = 0;
  }
}

/** A decoder failure on one frame is a frame without reads, never a dead camera loop. */
async function safeDecode(d: FrameDecoder, frame: Frame, variant: number): Promise<RawRead[]> {
  try {
    return await d.decode(frame, variant);
  } catch {
    return [];
  }
}
