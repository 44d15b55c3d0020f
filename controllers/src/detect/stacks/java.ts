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

/** Picks the runnable jar (not sources/javadoc/plain/shade originals) and copies it to /out/app.jar. */
const COLLECT_JAR = [
  'set -eu',
  'mkdir -p /out',
  "jar=$(find target build/libs -maxdepth 1 -name '*.jar' ! -name '*-sources.jar' ! -name '*-javadoc.jar' ! -name '*-plain.jar' ! -name 'original-*.jar' 2>/dev/null | head -n 1)",
  'if [ -z "$jar" ]; then echo "no runnable jar in target/ or build/libs/" >&2; exit 1; fi',
  'cp "$jar" /out/app.jar',
].join('\n');

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
  const gradle = tree.has('build.gradle') || tree.has('build.gradle.kts');
  if (!maven && !gradle) {
    return undefined;
  }
  const notes: string[] = [];
  const buildFile = maven
    ? 'pom.xml'
    : tree.first('build.gradle.kts', 'build.gradle')!;
  const buildText = tree.read(buildFile) ?? '';
  const springBoot = /spring-boot|org\.springframework\.boot/.test(buildText);
  const framework = springBoot ? 'spring-boot' : undefined;
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
    b.workdir('/src');
    install = ['gradle', '--no-daemon', 'dependencies'];
    build = [
      'gradle',
      '--no-daemon',
      '-x',
      'test',
      springBoot ? 'bootJar' : 'build',
    ];
    if (multiModule) {
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
  b.shell(COLLECT_JAR);

  b.from(BASE_IMAGES.javaRuntime);
  b.workdir('/app');
  b.copy(['/out/app.jar'], '/app/app.jar', { from: 'build' });
  b.env(portEnv());
  const start =
    ctx.startOverride ??
    (springBoot
      ? shellCommand(
          'exec java $JAVA_OPTS -jar /app/app.jar --server.port="${PORT:-8080}"',
        )
      : shellCommand('exec java $JAVA_OPTS -jar /app/app.jar'));
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
