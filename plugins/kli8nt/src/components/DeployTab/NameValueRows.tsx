import { Button, Flex, PasswordField, Text, TextField } from '@backstage/ui';
import { fieldError } from './fieldError';
import type { FormErrors } from './settingsForm';

/** Stored secrets show this instead of their value, which is write-only. */
const MASKED_SECRET = '••••••••';

interface NameValueRow {
  key: string;
  name: string;
  value: string;
  /** Already stored on the server: the name is fixed, the value hidden. */
  stored?: boolean;
  /** A stored row marked for removal on save. */
  removed?: boolean;
}

/**
 * An editable list of name/value rows: environment variables, or secrets
 * (`secret`), whose values are write-only and whose stored rows are marked
 * for removal rather than dropped.
 */
export function NameValueRows<R extends NameValueRow>(props: {
  title: string;
  /** What one row is, in labels: `variable`, `secret`. */
  noun: string;
  description?: string;
  emptyText?: string;
  /** Prefix of the rows' error fields: `env` → `env.3.name`. */
  field: string;
  rows: R[];
  errors: FormErrors;
  readOnly: boolean;
  secret?: boolean;
  newRow: () => R;
  onChange: (rows: R[]) => void;
}) {
  const { noun, rows, errors, readOnly, secret, onChange } = props;
  const ValueField = secret ? PasswordField : TextField;
  const replace = (row: R, patch: Partial<NameValueRow>) =>
    onChange(rows.map(r => (r === row ? { ...r, ...patch } : r)));

  return (
    <Flex direction="column" gap="2">
      <Text as="h4" variant="title-x-small">
        {props.title}
      </Text>
      {props.description && (
        <Text color="secondary" variant="body-small">
          {props.description}
        </Text>
      )}
      {rows.length === 0 && props.emptyText && (
        <Text color="secondary" variant="body-small">
          {props.emptyText}
        </Text>
      )}
      {rows.map((row, i) => (
        <Flex key={row.key} gap="2" align="start">
          <TextField
            aria-label={`Name of ${noun} ${i + 1}`}
            placeholder="NAME"
            value={row.name}
            isReadOnly={row.stored}
            onChange={name => replace(row, { name })}
            isDisabled={readOnly || row.removed}
            {...fieldError(errors[`${props.field}.${i}.name`])}
          />
          <ValueField
            // A secret's value is hidden, so its name tells rows apart.
            aria-label={`Value of ${noun} ${
              secret ? row.name || i + 1 : i + 1
            }`}
            placeholder={row.stored ? MASKED_SECRET : 'value'}
            value={row.value}
            autoComplete={secret ? 'new-password' : undefined}
            onChange={value => replace(row, { value })}
            isDisabled={readOnly || row.removed}
            {...fieldError(errors[`${props.field}.${i}.value`])}
          />
          <Button
            variant="tertiary"
            size="small"
            aria-label={`${row.removed ? 'Keep' : 'Remove'} ${noun} ${
              row.name || i + 1
            }`}
            isDisabled={readOnly}
            onPress={() =>
              row.stored
                ? replace(row, { removed: !row.removed })
                : onChange(rows.filter(r => r !== row))
            }
          >
            {row.removed ? 'Keep' : 'Remove'}
          </Button>
        </Flex>
      ))}
      <div>
        <Button
          variant="secondary"
          size="small"
          isDisabled={readOnly}
          onPress={() => onChange([...rows, props.newRow()])}
        >
          Add {noun}
        </Button>
      </div>
    </Flex>
  );
}
