import type { Stack } from '@kli8nt/backstage-plugin-kli8nt-common';

/**
 * Machine-readable reasons, usable as a status report `reason`.
 *
 * @public
 */
export type DetectErrorCode =
  | 'NoStackDetected'
  | 'NoStartCommand'
  | 'DockerfileNotFound'
  | 'InvalidDockerfile'
  | 'InvalidManifest'
  | 'UnsafeValue'
  | 'WorkspaceMember';

/**
 * A detection failure caused by the repository's contents (a user error):
 * retrying will not help, the repository has to change.
 *
 * @public
 */
export abstract class DetectError extends Error {
  abstract readonly code: DetectErrorCode;
  /** What the detector looked for, in the order it looked. */
  readonly lookedFor: string[];
  /** What the repository has instead: its top-level files and any manifests deeper down. */
  readonly found: string[];
  /** The stack detected before the failure, when one was. */
  readonly detectedStack?: Stack;

  constructor(
    message: string,
    options: {
      lookedFor?: string[];
      found?: string[];
      stack?: Stack;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.lookedFor = options.lookedFor ?? [];
    this.found = options.found ?? [];
    this.detectedStack = options.stack;
  }

  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.detectedStack ? { detectedStack: this.detectedStack } : {}),
      lookedFor: this.lookedFor,
      ...(this.found.length > 0 ? { found: this.found } : {}),
    };
  }
}

/**
 * The two ways out of a repository the detector cannot build, said at the
 * end of every such error.
 *
 * @public
 */
export const DETECT_WAYS_OUT =
  "Either add a Dockerfile to the repository, or set the build path (the directory that holds the app) or the stack in the app's Settings.";

/** @public */
export class NoStackDetectedError extends DetectError {
  readonly code = 'NoStackDetected' as const;
}

/** @public */
export class NoStartCommandError extends DetectError {
  readonly code = 'NoStartCommand' as const;
}

/** @public */
export class DockerfileNotFoundError extends DetectError {
  readonly code = 'DockerfileNotFound' as const;
}

/** @public */
export class InvalidDockerfileError extends DetectError {
  readonly code = 'InvalidDockerfile' as const;
}

/** @public */
export class InvalidManifestError extends DetectError {
  readonly code = 'InvalidManifest' as const;
}

/**
 * A value from the repository that cannot be placed in a Dockerfile safely
 * (e.g. it contains NUL, or is not a valid name where a name is required).
 *
 * @public
 */
export class UnsafeValueError extends DetectError {
  readonly code = 'UnsafeValue' as const;
}
