/**
 * `returns-station decode-image [--json] <file>...`: decodes PNG/JPEG files with the camera pipeline and the same
 * acceptance policy as the live camera. A `data:image/png;base64,…` URL works in place of a file. With --json, one
 * JSON object per line and nothing else on stdout.
 */
import type { Command } from 'commander';
import { labelRulesFrom, type LabelRule } from '../../devices/camera/acceptance.js';
import { decodeImageFile } from '../../devices/camera/node.js';
import { loadConfigFile } from '../config/load.js';
import { fail } from './station.js';

export function register(program: Command): void {
  program
    .command('decode-image')
    .description('Decode barcodes in image files (PNG/JPEG) with the camera pipeline (zxing-wasm + quagga2)')
    .option('--json', 'print one JSON object per file')
    .option('--config <file>', "station.yaml whose scanner.labels (RMA/bin/tote patterns) the camera uses")
    .argument('<file...>', 'image files')
    .action(async (files: string[], opts: { json?: boolean; config?: string }) => {
      // The station's own label patterns, so a photo is judged exactly as that station's camera would judge it.
      let labels: LabelRule[] | undefined;
      try {
        labels = opts.config !== undefined ? labelRulesFrom(loadConfigFile(opts.config).scanner.labels) : undefined;
      } catch (e) {
        fail(e, opts.json === true); // one line and exit 2 for a CONFIG_ error, as every command with --config
      }
      let failed = 0;
      for (const file of files) {
        const res = await decodeImageFile(file, labels ? { labels } : {});
        if (!res.ok) failed++;
        if (opts.json) process.stdout.write(JSON.stringify(res) + '\n');
        else if (res.ok) for (const c of res.codes) process.stdout.write(`${file}\t${c.format}\t${c.text}\t(${c.decoder})\n`);
        else if (res.error) process.stdout.write(`${file}\terror ${res.error.code}: ${res.error.message}\n`);
        else process.stdout.write(`${file}\tno barcode read\n`);
      }
      // Exit status tells scripts whether every file gave a code; the JSON lines carry the details (an unreadable
      // file has `error`, a readable image without a code has none).
      if (failed > 0) process.exitCode = 1;
    });
}
