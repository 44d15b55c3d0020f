import {
  DockerfileParser,
  Instruction,
  JSONInstruction,
  ModifiableInstruction,
} from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { BASE_IMAGES } from '../baseImages';

export interface ParsedInstruction {
  keyword: string;
  /** The exec-form argument vector, decoded with JSON.parse, when the instruction is in JSON form. */
  json?: string[];
  args: string[];
  flags: string[];
  line: number;
}

export interface ParsedStage {
  image: string;
  name?: string;
  instructions: ParsedInstruction[];
}

export interface ParsedDockerfile {
  stages: ParsedStage[];
  final: ParsedStage;
  instructionCount: number;
}

function decodeJson(instruction: Instruction): string[] | undefined {
  if (!(instruction instanceof JSONInstruction)) return undefined;
  if (instruction.getOpeningBracket() === null) return undefined;
  const content = instruction.getArgumentsContent();
  if (content === null) return undefined;
  const start = content.indexOf('[');
  const value: unknown = JSON.parse(content.slice(start));
  if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) {
    throw new Error(`not a JSON string array: ${content}`);
  }
  return value as string[];
}

/**
 * Parses a Dockerfile with the vscode Dockerfile language server's parser,
 * fails on any validation error, and returns its stages.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const problems = validate(text, {
    instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
    instructionCmdMultiple: ValidationSeverity.ERROR,
    instructionEntrypointMultiple: ValidationSeverity.ERROR,
    instructionWorkdirRelative: ValidationSeverity.ERROR,
    emptyContinuationLine: ValidationSeverity.ERROR,
    instructionCasing: ValidationSeverity.ERROR,
  });
  if (problems.length > 0) {
    throw new Error(
      `Dockerfile does not validate:\n${problems
        .map(p => `  line ${p.range.start.line + 1}: ${p.message}`)
        .join('\n')}\n---\n${text}`,
    );
  }
  const dockerfile = DockerfileParser.parse(text);
  const stages: ParsedStage[] = [];
  const instructions = dockerfile.getInstructions();
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword();
    const range = instruction.getRange();
    if (range.start.line !== range.end.line) {
      throw new Error(
        `instruction spans lines ${range.start.line + 1}-${range.end.line + 1}`,
      );
    }
    if (keyword === 'FROM') {
      const from = dockerfile
        .getFROMs()
        .find(f => f.getRange().start.line === range.start.line)!;
      stages.push({
        image: from.getImage() ?? '',
        name: from.getBuildStage() ?? undefined,
        instructions: [],
      });
      continue;
    }
    if (stages.length === 0) throw new Error(`${keyword} before FROM`);
    stages[stages.length - 1].instructions.push({
      keyword,
      json: decodeJson(instruction),
      args: instruction.getArguments().map(a => a.getValue()),
      flags:
        instruction instanceof ModifiableInstruction
          ? instruction.getFlags().map(f => `${f.getName()}=${f.getValue()}`)
          : [],
      line: range.start.line,
    });
  }
  if (stages.length === 0) throw new Error('no FROM');
  return {
    stages,
    final: stages[stages.length - 1],
    instructionCount: instructions.length,
  };
}

const KNOWN_IMAGES = new Set<string>(Object.values(BASE_IMAGES));

/**
 * The structural rules every generated Dockerfile follows; returns the
 * final stage's CMD argument vector.
 */
export function expectGeneratedStructure(text: string, port = 8080): string[] {
  const parsed = parseDockerfile(text);
  const stageNames = new Set<string>();
  for (const stage of parsed.stages) {
    if (!stageNames.has(stage.image)) {
      expect(KNOWN_IMAGES).toContain(stage.image);
      // Pinned: a tag that is not `latest`.
      expect(stage.image).toMatch(/:[A-Za-z0-9._-]+$/);
      expect(stage.image).not.toMatch(/:latest$/);
    }
    if (stage.name) stageNames.add(stage.name);
    for (const i of stage.instructions) {
      if (i.keyword === 'RUN' || i.keyword === 'CMD') {
        expect(i.json).toBeDefined();
      }
      if (i.keyword === 'COPY') {
        // COPY expands $VAR even in JSON form: no variables in sources.
        expect(i.json).toBeDefined();
        for (const src of i.json!) expect(src).not.toContain('$');
      }
      expect(['ENTRYPOINT', 'ADD', 'ONBUILD', 'SHELL']).not.toContain(
        i.keyword,
      );
    }
  }
  const final = parsed.final.instructions;
  const users = final.filter(i => i.keyword === 'USER');
  expect(users.length).toBeGreaterThan(0);
  const user = users[users.length - 1].args[0];
  expect(user).not.toMatch(/^(root|0)(:|$)/);
  expect(final.filter(i => i.keyword === 'EXPOSE').map(i => i.args[0])).toEqual(
    [String(port)],
  );
  expect(
    final.some(i => i.keyword === 'ENV' && i.args.includes(`PORT=${port}`)),
  ).toBe(true);
  const last = final[final.length - 1];
  expect(last.keyword).toBe('CMD');
  expect(final.filter(i => i.keyword === 'CMD')).toHaveLength(1);
  return last.json!;
}
