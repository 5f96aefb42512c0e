#!/usr/bin/env node
// The one executable. `npm install` builds the CLI into dist/ (the prepare script); the bundled
// entry loads much faster than the module tree it is made of.
import { runFromProcess } from '../dist/cli-bundle/main.js';

await runFromProcess();
