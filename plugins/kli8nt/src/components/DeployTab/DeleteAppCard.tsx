import { useState } from 'react';
import {
  Alert,
  Button,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  DialogTrigger,
  Flex,
  Text,
} from '@backstage/ui';
import { TitledCard } from '../shared/TitledCard';
import { useApi } from '@backstage/frontend-plugin-api';
import { kli8ntApiRef } from '../../api/Kli8ntApi';

/**
 * Deleting the app: its running objects leave the cluster and its URL stops
 * answering; the history stays. Asks for confirmation first.
 */
export function DeleteAppCard(props: {
  entityRef: string;
  canDelete: boolean;
  onDeleted(): void;
}) {
  const api = useApi(kli8ntApiRef);
  const [open, setOpen] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<Error>();
  const [deleted, setDeleted] = useState(false);

  const remove = async () => {
    setDeleting(true);
    setError(undefined);
    try {
      await api.deleteApp(props.entityRef);
      setDeleted(true);
      setOpen(false);
      props.onDeleted();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setDeleting(false);
    }
  };

  return (
    <TitledCard title="Delete the app">
      <Flex direction="column" gap="3">
        <Text>
          Stops the app, removes its objects from the cluster and takes its URL
          offline. The deployment history stays; deploy again at any time.
        </Text>
        {deleted && (
          <Alert status="success" icon title="The app is being deleted." />
        )}
        {error && (
          <Alert
            status="danger"
            icon
            title="The app was not deleted"
            description={error.message}
          />
        )}
        <DialogTrigger isOpen={open} onOpenChange={setOpen}>
          <Button variant="secondary" destructive isDisabled={!props.canDelete}>
            Delete app
          </Button>
          <Dialog>
            <DialogHeader>Delete this app?</DialogHeader>
            <DialogBody>
              <Text>
                Its pods, Service and route are removed and its URL stops
                answering. Builds still running are cancelled.
              </Text>
            </DialogBody>
            <DialogFooter>
              <Button variant="secondary" slot="close">
                Keep it
              </Button>
              <Button
                variant="primary"
                destructive
                isPending={deleting}
                onPress={remove}
              >
                Delete
              </Button>
            </DialogFooter>
          </Dialog>
        </DialogTrigger>
      </Flex>
    </TitledCard>
  );
}
