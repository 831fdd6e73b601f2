#!/usr/bin/env node
import { startCommand } from './commands';
import { runAction } from './errors';

startCommand('start-workflow', runAction).parseAsync(process.argv);
