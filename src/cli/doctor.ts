import type { Command } from 'commander';
import { runDoctor, formatDoctor } from '../app/doctor.js';
import { loadConfigFile } from '../config/load.js';
import { fail } from './station.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check serial ports (with USB fingerprints), HID scanners, the broker link and the database')
    .option('--config <file>', 'station configuration (YAML)')
    .option('--data-dir <dir>', 'where the station database lives')
    .option('--json', 'print the report as JSON')
    .action(async (o: { config?: string; dataDir?: string; json?: boolean }) => {
      try {
        const cfg = loadConfigFile(o.config);
        if (o.dataDir) cfg.dataDir = o.dataDir;
        const url = cfg.mqtt.url ?? `mqtt://127.0.0.1:${cfg.mqtt.embeddedPort}`;
        const report = await runDoctor(cfg, url);
        process.stdout.write(o.json ? JSON.stringify(report) + '\n' : formatDoctor(report) + '\n');
        process.exitCode = report.ok ? 0 : 1;
      } catch (e) {
        fail(e);
      }
    });
}
