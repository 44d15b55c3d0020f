import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import {
  CoreV1Api,
  CoreV1Event,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { isConflict, isNotFound } from './apply';
import { Clock, systemClock } from './clock';
import { Logger } from './logger';

/** The object an Event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string };
}

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. `Building`, `Live`, `CloneFailed`. */
  reason: string;
  message: string;
}

const MAX_MESSAGE = 1024;

/**
 * Records Kubernetes Events (core v1, what `kubectl describe` shows) on the
 * objects a controller reconciles. Like client-go's recorder, a repeat of
 * the same event on the same object only raises its `count` and
 * `lastTimestamp`; the Event's name is derived from the object's uid, the
 * reason and the message, so a repeat is found by name even from another
 * replica or after a restart. Recording never fails a reconcile: a failed
 * write is logged and dropped.
 */
export class EventRecorder {
  private readonly clock: Clock;

  constructor(
    private readonly options: {
      core: CoreV1Api;
      /** `source.component` and `reportingComponent`, e.g. `kli8nt-build`. */
      component: string;
      /** `reportingInstance`: the replica; the pod's name by default. */
      instance?: string;
      logger: Logger;
      clock?: Clock;
    },
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async record(subject: EventSubject, event: RecordedEvent): Promise<void> {
    const { name, namespace, uid } = subject.metadata;
    const message = event.message.slice(0, MAX_MESSAGE);
    const eventName = `${name}.${createHash('sha256')
      .update(`${uid ?? name}\0${event.type}\0${event.reason}\0${message}`)
      .digest('hex')
      .slice(0, 16)}`;
    const now = new Date(this.clock.now());
    try {
      try {
        await this.options.core.createNamespacedEvent({
          namespace,
          body: {
            metadata: { name: eventName, namespace },
            involvedObject: {
              apiVersion: subject.apiVersion,
              kind: subject.kind,
              name,
              namespace,
              uid,
            },
            type: event.type,
            reason: event.reason,
            message,
            count: 1,
            firstTimestamp: now,
            lastTimestamp: now,
            source: { component: this.options.component },
            reportingComponent: this.options.component,
            reportingInstance: this.options.instance ?? hostname(),
          } as CoreV1Event,
        });
      } catch (error) {
        if (!isConflict(error)) throw error;
        await this.repeat(eventName, namespace, now);
      }
    } catch (error) {
      this.options.logger.warn('could not record an event', {
        object: `${subject.kind}/${namespace}/${name}`,
        reason: event.reason,
        error,
      });
    }
  }

  /** The same event again: one more in its count. */
  private async repeat(name: string, namespace: string, now: Date) {
    const { core } = this.options;
    let existing: CoreV1Event;
    try {
      existing = await core.readNamespacedEvent({ name, namespace });
    } catch (error) {
      // Expired between our create and read: the next repeat creates it.
      if (isNotFound(error)) return;
      throw error;
    }
    await core.patchNamespacedEvent(
      {
        name,
        namespace,
        body: {
          count: (existing.count ?? 1) + 1,
          lastTimestamp: now.toISOString(),
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}
