import { Command } from 'commander';
import { serve } from '../server/main.ts';

export const serveCommand = () => new Command('serve').description('Run the HTTP API (migrating the database first)').action(serve);
