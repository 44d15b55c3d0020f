import { ConfigError, RoleName, readControllerConfig } from './config';
import type { RoleContext, RunningRole } from './role';
import { isRoleName, roles } from './roles';
import { createLogger, loadKubeConfig } from './runtime';

function startRole<R extends RoleName>(
  name: R,
  context: RoleContext<R>,
): Promise<RunningRole> {
  return roles[name].start(context);
}

function usage(): string {
  const lines = Object.entries(roles).map(
    ([name, role]) => `  ${name.padEnd(8)} ${role.description}`,
  );
  return `usage: kli8nt-controller <role>\n\nroles:\n${lines.join('\n')}\n`;
}

/**
 * Entry point of the controllers image: `kli8nt-controller <role>`. Reads
 * the configuration once, starts the role, and stops it cleanly on SIGTERM
 * or SIGINT. Resolves with the process exit code.
 */
export async function main(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [roleName] = argv;
  if (!isRoleName(roleName)) {
    process.stderr.write(usage());
    return 2;
  }
  const logger = createLogger({ role: roleName });
  let config;
  try {
    config = readControllerConfig(roleName, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error('invalid configuration', { problems: error.problems });
    return 78; // EX_CONFIG
  }
  const roleLogger = logger.child({ cluster: config.shared.cluster });
  const running = await startRole(roleName, {
    config,
    kubeConfig: loadKubeConfig(),
    logger: roleLogger,
  });
  await new Promise<void>(resolve => {
    const onSignal = (signal: NodeJS.Signals) => {
      roleLogger.info('stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await running.stop();
  return 0;
}

/** Runs `main` as the process: exit with its code, or 1 if it throws. */
export function runMain(): void {
  main().then(
    code => process.exit(code),
    error => {
      createLogger().error('controller failed', { error });
      process.exit(1);
    },
  );
}

if (require.main === module) runMain();
