import type { Command } from 'commander';
import { FortitudeError } from '../../../core/errors.js';
import type { CliContext } from '../cli-context.js';

const VERSION = '0.1.0';

/** `fortitude simulate` (the wire-exact provider simulator) and `fortitude mcp`. */
export function registerToolCommands(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .description('run the built-in provider simulator: OpenAI, Anthropic, Gemini and OpenAI-compatible wire formats on loopback')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8787')
    .option('--seed <n>', 'seed for deterministic behaviour', '1')
    .option('--latency-ms <ms>', 'median latency before each answer', '0')
    .option('--error-ratio <ratio>', 'share of requests answered with a 5xx', '0')
    .option('--rate-limit-ratio <ratio>', 'share of requests answered with a 429', '0')
    .action(async (options: { host: string; port: string; seed: string; latencyMs: string; errorRatio: string; rateLimitRatio: string }) => {
      const port = whole(options.port, '--port', 0, 65535);
      const latency = whole(options.latencyMs, '--latency-ms', 0, 600_000);
      const errorRatio = ratio(options.errorRatio, '--error-ratio');
      const rateLimitRatio = ratio(options.rateLimitRatio, '--rate-limit-ratio');
      const { startSimulator } = await import('../../../providers/simulator/simulator.js'); // only `simulate` needs it
      const simulator = await startSimulator({
        host: options.host,
        port,
        seed: whole(options.seed, '--seed', 0, 2 ** 31),
        profile: { latencyMs: latency > 0 ? { medianMs: latency, p99Ms: latency * 4 } : 0, errorRatio, rateLimitRatio },
      });
      context.err(`Fortitude provider simulator on ${simulator.url} (simulated answers, not a real LLM). Base URLs:`);
      for (const name of simulator.providerNames()) context.out(`  ${name.padEnd(8)} ${simulator.formatOf(name).padEnd(18)} ${simulator.baseUrlFor(name)}`);
      context.err('Any non-empty API key is accepted. Ctrl-C stops it.');
      await waitForSignal();
      await simulator.close();
    });

  program
    .command('mcp')
    .description('run the MCP server for AI agents: stdio by default, or streamable HTTP with --http')
    .option('--http', 'serve streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP address', '127.0.0.1')
    .option('--port <port>', 'HTTP port', '8765')
    .action(async (options: { http?: boolean; host: string; port: string }) => {
      const services = await context.openServices();
      const { createLineMcpLogger } = await import('../../mcp/mcp-services.js');
      const logger = createLineMcpLogger((line) => context.err(line));
      try {
        if (options.http) {
          // Loaded here, not at the top: every command (and every `serve` worker) would carry the MCP SDK.
          const { runMcpHttp } = await import('../../mcp/mcp-http.js');
          const { allowedHosts, allowedOrigins } = context.loadConfig();
          const server = await runMcpHttp(services, {
            host: options.host,
            port: whole(options.port, '--port', 0, 65535),
            name: 'fortitude',
            version: VERSION,
            logger,
            // Same allow-lists as the HTTP API; empty: this endpoint's own address and port.
            allowedHosts,
            allowedOrigins,
          });
          context.err(`Fortitude MCP (streamable HTTP) on ${server.url}`);
          await waitForSignal();
          await server.close();
        } else {
          const { runMcpStdio } = await import('../../mcp/mcp-stdio.js');
          const session = await runMcpStdio(services, { name: 'fortitude', version: VERSION, logger });
          await Promise.race([session.closed, waitForSignal()]);
          await session.close();
        }
      } finally {
        await services.close();
      }
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function whole(value: string, flag: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new FortitudeError('bad_request', `${flag}: expected a whole number ${min}–${max} (got "${value}")`);
  return number;
}

function ratio(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1) throw new FortitudeError('bad_request', `${flag}: expected a number from 0 to 1 (got "${value}")`);
  return number;
}
