import { DockerfileParser, JSONInstruction } from 'dockerfile-ast';
import { DEFAULT_PORT } from '../baseImages';
import { DockerfileNotFoundError, InvalidDockerfileError } from '../errors';
import { TreeIndex } from '../fileTree';

/** Where a repository's own Dockerfile is looked for when no path is configured. */
export const DEFAULT_DOCKERFILE = 'Dockerfile';

export interface ExistingDockerfile {
  path: string;
  text: string;
  baseImages: string[];
  port: number;
  startCommand?: string[];
  notes: string[];
}

/** Normalises a configured Dockerfile path; rejects paths that leave the repository. */
export function normalizeDockerfilePath(path: string): string | undefined {
  const control = [...path].some(c => c.charCodeAt(0) < 0x20);
  if (control || path.startsWith('/')) {
    return undefined;
  }
  const parts = path.split('/').filter(p => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) {
    return undefined;
  }
  return parts.join('/');
}

/**
 * The repository's own Dockerfile, used as is; parsed only to report the
 * images it starts from and the port it exposes.
 */
export function existingDockerfile(
  tree: TreeIndex,
  configuredPath: string | undefined,
): ExistingDockerfile | undefined {
  let path = DEFAULT_DOCKERFILE;
  if (configuredPath !== undefined) {
    const normalized = normalizeDockerfilePath(configuredPath);
    if (!normalized) {
      throw new DockerfileNotFoundError(
        `Dockerfile path ${JSON.stringify(
          configuredPath,
        )} is not a relative path inside the repository`,
        { stack: 'dockerfile', lookedFor: [configuredPath] },
      );
    }
    path = normalized;
    if (!tree.has(path)) {
      throw new DockerfileNotFoundError(`No Dockerfile at ${path}`, {
        stack: 'dockerfile',
        lookedFor: [path],
      });
    }
  } else if (!tree.has(path)) {
    return undefined;
  }
  const text = tree.read(path);
  if (text === undefined) {
    throw new InvalidDockerfileError(`${path} could not be read (too large?)`, {
      stack: 'dockerfile',
      lookedFor: [path],
    });
  }
  const parsed = DockerfileParser.parse(text);
  const froms = parsed.getFROMs();
  if (froms.length === 0) {
    throw new InvalidDockerfileError(`${path} has no FROM instruction`, {
      stack: 'dockerfile',
      lookedFor: [`FROM in ${path}`],
    });
  }
  const stages = new Set(
    froms.map(f => f.getBuildStage()?.toLowerCase()).filter(Boolean),
  );
  const baseImages = froms
    .map(f => f.getImage())
    .filter((i): i is string => !!i && !stages.has(i.toLowerCase()));

  const notes: string[] = [`using the repository's own ${path}`];
  const lastStage = parsed.getInstructions().filter(i => {
    const lastFrom = froms[froms.length - 1];
    return i.getRange().start.line >= lastFrom.getRange().start.line;
  });
  let port = DEFAULT_PORT;
  const expose = lastStage.find(i => i.getKeyword() === 'EXPOSE');
  const exposed = expose
    ?.getArguments()[0]
    ?.getValue()
    .match(/^(\d{1,5})(\/tcp)?$/);
  if (exposed && Number(exposed[1]) >= 1 && Number(exposed[1]) <= 65535) {
    port = Number(exposed[1]);
  } else {
    notes.push(
      `no numeric EXPOSE in the final stage: assuming port ${DEFAULT_PORT}`,
    );
  }
  const cmd = [...lastStage]
    .reverse()
    .find(i => i.getKeyword() === 'CMD' || i.getKeyword() === 'ENTRYPOINT');
  let startCommand: string[] | undefined;
  if (cmd instanceof JSONInstruction) {
    const strings = cmd.getJSONStrings().map(s => s.getJSONValue());
    if (strings.length > 0 && cmd.getKeyword() === 'CMD')
      startCommand = strings;
  }
  return {
    path,
    text,
    baseImages: [...new Set(baseImages)],
    port,
    startCommand,
    notes,
  };
}
