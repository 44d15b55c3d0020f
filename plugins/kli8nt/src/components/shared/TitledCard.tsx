import type { ReactNode } from 'react';
import { Card, CardBody, CardHeader, Flex, Text } from '@backstage/ui';

/**
 * A card of the tabs: a heading (an `h3`, by which tests and screen readers
 * find it), an optional action beside it, and the body.
 */
export function TitledCard(props: {
  title: ReactNode;
  action?: ReactNode;
  children: ReactNode;
}) {
  const heading = (
    <Text as="h3" variant="title-small">
      {props.title}
    </Text>
  );
  return (
    <Card>
      <CardHeader>
        {props.action ? (
          <Flex justify="between" align="center">
            {heading}
            {props.action}
          </Flex>
        ) : (
          heading
        )}
      </CardHeader>
      <CardBody>{props.children}</CardBody>
    </Card>
  );
}
