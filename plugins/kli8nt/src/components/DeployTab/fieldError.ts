/**
 * Props that make a BUI field show `message` inline as it changes (an
 * explicit `isInvalid` would hide the message).
 */
export function fieldError(message: string | undefined) {
  return {
    validate: () => message ?? null,
    validationBehavior: 'aria' as const,
  };
}
