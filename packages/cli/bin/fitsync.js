#!/usr/bin/env node
// The only place that sets the process exit code: main() returns it.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
