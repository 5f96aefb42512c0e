#!/usr/bin/env node
// The one executable. The CLI is built to dist/ by `npm install` (the prepare script).
import { runFromProcess } from '../dist/cli/main.js';

await runFromProcess();
