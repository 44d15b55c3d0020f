import { BASE_IMAGES } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  header,
  portEnv,
  runtimeTail,
} from '../common';
import { DockerfileBuilder, shellCommand } from '../dockerfile';
import { TreeIndex } from '../fileTree';

function isTestProject(tree: TreeIndex, path: string): boolean {
  return (
    /test/i.test(path) ||
    (tree.read(path) ?? '').includes('Microsoft.NET.Test.Sdk')
  );
}

export function detectDotnet(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  const projects = tree.find(
    p => p.endsWith('.csproj') || p.endsWith('.fsproj'),
    3,
  );
  if (projects.length === 0) {
    return undefined;
  }
  const notes: string[] = [];
  const candidates = projects.filter(p => !isTestProject(tree, p));
  const pool = candidates.length > 0 ? candidates : projects;
  const project =
    pool.find(p => (tree.read(p) ?? '').includes('Microsoft.NET.Sdk.Web')) ??
    pool[0];
  if (projects.length > 1)
    notes.push(`several projects: publishing ${project}`);
  const text = tree.read(project) ?? '';
  const fileName = project.split('/').pop()!;
  const assembly =
    text.match(/<AssemblyName>\s*([^<]+?)\s*<\/AssemblyName>/)?.[1] ??
    fileName.replace(/\.(cs|fs)proj$/, '');
  const framework = text.includes('Microsoft.NET.Sdk.Web')
    ? 'aspnetcore'
    : undefined;
  const projectArg = `./${project}`;
  const rootProject = !project.includes('/');
  const soleRootProject =
    rootProject && projects.filter(p => !p.includes('/')).length === 1;

  const b = new DockerfileBuilder(header('dotnet', framework));
  b.from(BASE_IMAGES.dotnetBuild, 'build');
  b.env({ DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' });
  b.workdir('/src');
  const install = ['dotnet', 'restore', projectArg];
  const build = [
    'dotnet',
    'publish',
    projectArg,
    '-c',
    'Release',
    '-o',
    '/out',
    '--no-restore',
  ];
  if (soleRootProject) {
    // A glob keeps the project's own file name out of the COPY line.
    const extra = [
      'NuGet.config',
      'nuget.config',
      'Directory.Build.props',
      'Directory.Packages.props',
      'global.json',
    ].filter(f => tree.has(f));
    b.copy(
      [project.endsWith('.fsproj') ? '*.fsproj' : '*.csproj', ...extra],
      './',
    );
    b.run(install);
    b.copy(['.'], './');
  } else {
    b.copy(['.'], './');
    b.run(install);
  }
  b.run(build);

  b.from(BASE_IMAGES.dotnetRuntime);
  b.workdir('/app');
  b.copy(['/out'], '/app', { from: 'build' });
  b.env(portEnv());
  const start =
    ctx.startOverride ??
    shellCommand(
      'export ASPNETCORE_URLS="http://+:${PORT:-8080}"; exec dotnet "$1"',
      `${assembly}.dll`,
    );
  runtimeTail(b, start);
  return {
    stack: 'dotnet',
    framework,
    packageManager: 'dotnet',
    installCommand: install,
    buildCommand: build,
    dockerfile: b,
    dockerignore: [...BASE_IGNORE, 'bin', 'obj', '**/bin', '**/obj', '.vs'],
    notes,
  };
}
