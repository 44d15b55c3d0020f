import { BASE_IMAGES } from '../baseImages';
import { detect } from '../detect';
import { NoStartCommandError, UnsafeValueError } from '../errors';
import { memoryTree } from '../fileTree';
import {
  expectGeneratedStructure,
  parseDockerfile,
} from '../__testUtils__/dockerfileStructure';
import { detectFixture } from '../__testUtils__/fixtures';

describe('go', () => {
  it.each([
    ['go-root', '.'],
    ['go-cmd', './cmd/api'],
  ])('%s builds %s into a slim runtime', (name, pkg) => {
    const plan = detectFixture(name);
    expect(plan).toMatchObject({
      stack: 'go',
      packageManager: 'go',
      installCommand: ['go', 'mod', 'download'],
    });
    expect(plan.buildCommand?.slice(-1)).toEqual([pkg]);
    expect(expectGeneratedStructure(plan.dockerfile)).toEqual(['/app/server']);
    const parsed = parseDockerfile(plan.dockerfile);
    expect(parsed.stages.map(s => s.image)).toEqual([
      BASE_IMAGES.goBuild,
      BASE_IMAGES.debianRuntime,
    ]);
    expect(
      parsed.final.instructions.find(i => i.keyword === 'USER')!.args,
    ).toEqual(['10001:10001']);
  });

  it('fails with what it looked for when there is no main package', () => {
    expect(() =>
      detect(memoryTree({ 'go.mod': 'module x\n', 'lib.go': 'package lib\n' })),
    ).toThrow(NoStartCommandError);
  });

  it('keeps a hostile command directory name inside one exec-form argument', () => {
    const dir = 'x$(id)`id`"\'; && \n RUN echo pwned ü';
    const plan = detect(
      memoryTree({
        'go.mod': 'module y\n',
        [`cmd/${dir}/main.go`]: 'package main\n',
      }),
    );
    expect(expectGeneratedStructure(plan.dockerfile)).toEqual(['/app/server']);
    const build = parseDockerfile(
      plan.dockerfile,
    ).stages[0].instructions.filter(i => i.keyword === 'RUN');
    expect(build[build.length - 1].json!.slice(-1)).toEqual([`./cmd/${dir}`]);
    expect(plan.dockerfile).not.toMatch(/^ RUN echo pwned/m);
  });

  it('uses the vendor directory without downloading', () => {
    const plan = detect(
      memoryTree({
        'go.mod': 'module y\n',
        'main.go': 'package main\n',
        'vendor/modules.txt': '',
      }),
    );
    expect(plan.installCommand).toBeUndefined();
  });
});

describe('rust', () => {
  it('builds the package binary with cargo', () => {
    const plan = detectFixture('rust-cargo');
    expect(plan).toMatchObject({ stack: 'rust', packageManager: 'cargo' });
    expect(plan.buildCommand).toEqual([
      'cargo',
      'build',
      '--release',
      '--locked',
      '--bin',
      'hello-server',
    ]);
    expect(expectGeneratedStructure(plan.dockerfile)).toEqual(['/app/server']);
    expect(parseDockerfile(plan.dockerfile).stages.map(s => s.image)).toEqual([
      BASE_IMAGES.rustBuild,
      BASE_IMAGES.debianRuntime,
    ]);
  });

  it('picks default-run among several binaries', () => {
    const plan = detect(
      memoryTree({
        'Cargo.toml':
          '[package]\nname = "a"\ndefault-run = "web"\n\n[[bin]]\nname = "cli"\n\n[[bin]]\nname = "web"\n',
      }),
    );
    expect(plan.buildCommand).toContain('web');
  });

  it('rejects a binary name that is not a crate name', () => {
    expect(() =>
      detect(memoryTree({ 'Cargo.toml': '[package]\nname = "../../$(id)"\n' })),
    ).toThrow(UnsafeValueError);
  });
});

describe('java', () => {
  it.each([
    ['java-maven', 'maven', undefined, BASE_IMAGES.mavenBuild],
    ['java-spring-boot', 'maven', 'spring-boot', BASE_IMAGES.mavenBuild],
    ['java-gradle', 'gradle', undefined, BASE_IMAGES.gradleBuild],
  ])('%s', (name, packageManager, framework, buildImage) => {
    const plan = detectFixture(name);
    expect(plan).toMatchObject({ stack: 'java', packageManager });
    expect(plan.framework).toBe(framework);
    const cmd = expectGeneratedStructure(plan.dockerfile);
    expect(cmd[2]).toContain('-jar /app/app.jar');
    expect(cmd[2].includes('--server.port="${PORT:-8080}"')).toBe(
      framework === 'spring-boot',
    );
    expect(parseDockerfile(plan.dockerfile).stages.map(s => s.image)).toEqual([
      buildImage,
      BASE_IMAGES.javaRuntime,
    ]);
  });

  it('detects Spring Boot in a Gradle build and builds the boot jar', () => {
    const plan = detect(
      memoryTree({
        'build.gradle.kts':
          'plugins { id("org.springframework.boot") version "3.5.0" }\n',
      }),
    );
    expect(plan.framework).toBe('spring-boot');
    expect(plan.buildCommand).toEqual([
      'gradle',
      '--no-daemon',
      '-x',
      'test',
      'bootJar',
    ]);
  });
});

describe('dotnet', () => {
  it('publishes the web project and runs its dll on $PORT', () => {
    const plan = detectFixture('dotnet');
    expect(plan).toMatchObject({
      stack: 'dotnet',
      framework: 'aspnetcore',
      packageManager: 'dotnet',
    });
    expect(plan.installCommand).toEqual([
      'dotnet',
      'restore',
      './HelloApi.csproj',
    ]);
    const cmd = expectGeneratedStructure(plan.dockerfile);
    expect(cmd.slice(-1)).toEqual(['HelloApi.dll']);
    const parsed = parseDockerfile(plan.dockerfile);
    expect(parsed.stages.map(s => s.image)).toEqual([
      BASE_IMAGES.dotnetBuild,
      BASE_IMAGES.dotnetRuntime,
    ]);
    expect(
      parsed.stages[0].instructions.find(i => i.keyword === 'COPY')!.json,
    ).toEqual(['*.csproj', './']);
  });

  it('skips test projects and honours AssemblyName', () => {
    const plan = detect(
      memoryTree({
        'src/Api/Api.csproj':
          '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><AssemblyName>My "App" $(x)</AssemblyName></PropertyGroup></Project>',
        'tests/Api.Tests/Api.Tests.csproj':
          '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><PackageReference Include="Microsoft.NET.Test.Sdk" /></ItemGroup></Project>',
      }),
    );
    expect(plan.installCommand).toEqual([
      'dotnet',
      'restore',
      './src/Api/Api.csproj',
    ]);
    expect(expectGeneratedStructure(plan.dockerfile).slice(-1)).toEqual([
      'My "App" $(x).dll',
    ]);
  });
});
