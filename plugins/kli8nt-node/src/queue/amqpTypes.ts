// amqplib's connection, channel and message types, which it does not name.
import amqp from 'amqplib';

export type Connection = Awaited<ReturnType<typeof amqp.connect>>;
export type ConfirmChannel = Awaited<
  ReturnType<Connection['createConfirmChannel']>
>;
export type Channel = Awaited<ReturnType<Connection['createChannel']>>;
export type AmqpMessage = NonNullable<
  Parameters<Parameters<Channel['consume']>[1]>[0]
>;
