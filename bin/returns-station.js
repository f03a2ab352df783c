#!/usr/bin/env node
// Runs the TypeScript CLI in this same process through tsx's loader, so signals (Ctrl+C, SIGTERM) reach the station
// directly and a fresh clone works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
