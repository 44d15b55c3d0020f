import { BASE_IMAGES } from '../baseImages';
import {
  APP_NAMES,
  BASE_IGNORE,
  DetectContext,
  StackResult,
  header,
  portEnv,
  runtimeTail,
} from '../common';
import { DockerfileBuilder, shellCommand } from '../dockerfile';
import { TreeIndex } from '../fileTree';

/**
 * Picks the runnable jar (not sources/javadoc/plain/shade originals) in the
 * directories given as arguments and copies it to /out/app.jar.
 */
const COLLECT_JAR = [
  'set -eu',
  'mkdir -p /out',
  "jar=$(find \"$@\" -maxdepth 1 -name '*.jar' ! -name '*-sources.jar' ! -name '*-javadoc.jar' ! -name '*-plain.jar' ! -name 'original-*.jar' 2>/dev/null | head -n 1)",
  'if [ -z "$jar" ]; then echo "no runnable jar in $*" >&2; exit 1; fi',
  'cp "$jar" /out/app.jar',
].join('\n');

const SETTINGS = ['settings.gradle.kts', 'settings.gradle'];
const SPRING_BOOT = /spring-boot|org\.springframework\.boot/;
/** The `application` plugin: `application` in plugins {}, `id 'application'`, `apply plugin: 'application'`. */
const APPLICATION_PLUGIN =
  /^\s*(application\s*$|id\s*\(?\s*['"]application['"]|apply\s+plugin\s*:\s*['"]application['"])/m;
const PROJECT_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

interface GradleProject {
  /** Gradle path, e.g. `:app`. */
  path: string;
  dir: string;
  name: string;
  springBoot: boolean;
  application: boolean;
}

/** Subprojects named by include(...) in the settings file, in order. */
function gradleSubprojects(tree: TreeIndex): GradleProject[] {
  const settings = tree.read(tree.first(...SETTINGS) ?? '') ?? '';
  const projects: GradleProject[] = [];
  for (const m of settings.matchAll(/\binclude\s*\(?([^)\n]*)\)?/g)) {
    for (const q of m[1].matchAll(/['"]:?([^'"]+)['"]/g)) {
      const dir = q[1].replace(/:/g, '/');
      if (!PROJECT_PATH.test(dir)) continue;
      const file = tree.first(`${dir}/build.gradle.kts`, `${dir}/build.gradle`);
      const text = file ? tree.read(file) ?? '' : '';
      projects.push({
        path: `:${q[1].replace(/^:/, '')}`,
        dir,
        name: dir.split('/').pop()!,
        springBoot: SPRING_BOOT.test(text),
        application: APPLICATION_PLUGIN.test(text),
      });
    }
  }
  return projects;
}

/**
 * The runnable subproject of a multi-project build: Spring Boot or
 * `application` projects, preferring the usual app names, then the
 * settings file's order.
 */
function gradleApp(
  projects: GradleProject[],
  notes: string[],
): GradleProject | undefined {
  const runnable = projects.filter(p => p.springBoot || p.application);
  if (runnable.length === 0) return undefined;
  const rank = (p: GradleProject) => {
    const i = APP_NAMES.indexOf(p.name);
    return i < 0 ? APP_NAMES.length + runnable.indexOf(p) : i;
  };
  const chosen = [...runnable].sort((a, b) => rank(a) - rank(b))[0];
  notes.push(
    `gradle multi-project build: running ${chosen.path}${
      runnable.length > 1 ? ` (of ${runnable.map(p => p.path).join(', ')})` : ''
    }`,
  );
  return chosen;
}

const GRADLE_FILES = [
  'build.gradle',
  'build.gradle.kts',
  'settings.gradle',
  'settings.gradle.kts',
  'gradle.properties',
];

export function detectJava(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  const maven = tree.has('pom.xml');
  const gradle =
    tree.has('build.gradle') ||
    tree.has('build.gradle.kts') ||
    SETTINGS.some(f => tree.has(f));
  if (!maven && !gradle) {
    return undefined;
  }
  const notes: string[] = [];
  const buildFile = maven
    ? 'pom.xml'
    : tree.first('build.gradle.kts', 'build.gradle');
  const buildText = buildFile ? tree.read(buildFile) ?? '' : '';
  const sub = maven ? undefined : gradleApp(gradleSubprojects(tree), notes);
  const springBoot = sub ? sub.springBoot : SPRING_BOOT.test(buildText);
  const framework = springBoot ? 'spring-boot' : undefined;
  /** A subproject with the application plugin runs from installDist's scripts. */
  const dist =
    sub && !sub.springBoot && PROJECT_PATH.test(sub.name) ? sub : undefined;
  const multiModule = maven
    ? /<modules>/.test(buildText)
    : /\binclude\s*\(?\s*['"]/.test(
        tree.read(tree.first('settings.gradle.kts', 'settings.gradle') ?? '') ??
          '',
      );

  const b = new DockerfileBuilder(header('java', framework));
  let install: string[];
  let build: string[];
  if (maven) {
    b.from(BASE_IMAGES.mavenBuild, 'build');
    // The build step passes the egress proxy to the JVM in these (no
    // credentials in them); a RUN step sees a build argument only if declared.
    b.arg('MAVEN_OPTS', 'JAVA_TOOL_OPTIONS');
    b.workdir('/src');
    install = ['mvn', '-B', 'dependency:go-offline'];
    build = ['mvn', '-B', '-DskipTests', 'package'];
    if (multiModule) {
      b.copy(['.'], './');
    } else {
      b.copy(['pom.xml'], './');
      // Best effort: plugins resolved lazily may still download during package.
      b.shell('mvn -B -q dependency:go-offline || true');
      b.copy(['.'], './');
    }
  } else {
    b.from(BASE_IMAGES.gradleBuild, 'build');
    b.arg('GRADLE_OPTS', 'JAVA_TOOL_OPTIONS');
    b.workdir('/src');
    install = ['gradle', '--no-daemon', 'dependencies'];
    let task = springBoot ? 'bootJar' : 'build';
    if (dist) task = 'installDist';
    build = [
      'gradle',
      '--no-daemon',
      '-x',
      'test',
      sub ? `${sub.path}:${task}` : task,
    ];
    if (multiModule || sub) {
      b.copy(['.'], './');
    } else {
      b.copy(
        GRADLE_FILES.filter(f => tree.has(f)),
        './',
      );
      b.shell('gradle --no-daemon -q dependencies > /dev/null || true');
      b.copy(['.'], './');
    }
    if (tree.has('gradlew')) {
      notes.push("built with the image's gradle, not ./gradlew");
    }
  }
  if (multiModule)
    notes.push('multi-module build: the whole repository is copied first');
  b.run(build);
  if (dist) {
    b.run(['cp', '-r', '--', `${dist.dir}/build/install/${dist.name}`, '/out']);
  } else {
    b.shell(
      COLLECT_JAR,
      ...(sub ? [`${sub.dir}/build/libs`] : ['target', 'build/libs']),
    );
  }

  b.from(BASE_IMAGES.javaRuntime);
  b.workdir('/app');
  if (dist) {
    b.copy(['/out'], '/app/dist', { from: 'build' });
  } else {
    b.copy(['/out/app.jar'], '/app/app.jar', { from: 'build' });
  }
  b.env(portEnv());
  const jarStart = springBoot
    ? shellCommand(
        'exec java $JAVA_OPTS -jar /app/app.jar --server.port="${PORT:-8080}"',
      )
    : shellCommand('exec java $JAVA_OPTS -jar /app/app.jar');
  const start =
    ctx.startOverride ?? (dist ? [`/app/dist/bin/${dist.name}`] : jarStart);
  runtimeTail(b, start);
  return {
    stack: 'java',
    framework,
    packageManager: maven ? 'maven' : 'gradle',
    installCommand: install,
    buildCommand: build,
    dockerfile: b,
    dockerignore: [
      ...BASE_IGNORE,
      'target',
      'build',
      '.gradle',
      '.idea',
      '*.iml',
    ],
    notes,
  };
}
