import { detect } from '../detect';
import { DockerfileNotFoundError, InvalidDockerfileError } from '../errors';
import { memoryTree } from '../fileTree';
import { detectFixture } from '../__testUtils__/fixtures';

describe("the repository's own Dockerfile", () => {
  it('is used as is, and reports its images, port and CMD', () => {
    const plan = detectFixture('dockerfile');
    expect(plan).toMatchObject({
      stack: 'dockerfile',
      generated: false,
      dockerfilePath: 'Dockerfile',
      baseImages: ['node:22.23-bookworm-slim'],
      port: 3000,
      startCommand: ['node', 'server.js'],
    });
    expect(plan.dockerignore).toBeUndefined();
    expect(plan.dockerfile).toContain('CMD ["node", "server.js"]');
  });

  it('can live at a configured path', () => {
    const plan = detectFixture('dockerfile-custom-path', {
      dockerfilePath: './deploy//app.Dockerfile',
    });
    expect(plan).toMatchObject({
      stack: 'dockerfile',
      dockerfilePath: 'deploy/app.Dockerfile',
      baseImages: ['golang:1.24-bookworm', 'debian:bookworm-slim'],
      port: 9000,
    });
    expect(plan.startCommand).toBeUndefined();
  });

  it('wins over every other signal', () => {
    const plan = detect(
      memoryTree({
        Dockerfile: 'FROM scratch\n',
        'package.json': '{}',
        Procfile: 'web: x',
      }),
    );
    expect(plan.stack).toBe('dockerfile');
    expect(plan.port).toBe(8080);
    expect(plan.notes.join()).toMatch(/assuming port 8080/);
  });

  it('must exist when a path is configured', () => {
    const tree = memoryTree({ Dockerfile: 'FROM scratch\n' });
    expect(() => detect(tree, { dockerfilePath: 'docker/Dockerfile' })).toThrow(
      DockerfileNotFoundError,
    );
    for (const bad of [
      '../Dockerfile',
      '/etc/passwd',
      'a/../../b',
      'a\nb',
      '',
    ]) {
      expect(() => detect(tree, { dockerfilePath: bad })).toThrow(
        DockerfileNotFoundError,
      );
    }
  });

  it('needs a FROM', () => {
    expect(() =>
      detect(memoryTree({ Dockerfile: '# empty\nRUN true\n' })),
    ).toThrow(InvalidDockerfileError);
  });

  it('does not count stage names as base images', () => {
    const plan = detect(
      memoryTree({
        Dockerfile:
          'FROM golang:1.24 AS build\nFROM build AS test\nFROM debian:bookworm-slim\nEXPOSE 80/tcp\n',
      }),
    );
    expect(plan.baseImages).toEqual(['golang:1.24', 'debian:bookworm-slim']);
    expect(plan.port).toBe(80);
  });
});
