#!/usr/bin/env node
// The installed `raftlab` command: runs the TypeScript CLI through tsx's loader, so a checkout
// needs no separate compile step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main/cli.ts');
