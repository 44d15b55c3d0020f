/**
 * Whether the kubelet evicted a pod because it, one of its containers or
 * an emptyDir went over its own ephemeral-storage limit — the workload's
 * doing — rather than because the node ran low on disk (nobody's).
 */
export function overStorageLimit(message: string | undefined): boolean {
  // The kubelet's eviction messages (pkg/kubelet/eviction/helpers.go).
  return /ephemeral local storage usage exceeds|exceeded its local ephemeral storage limit|Usage of EmptyDir volume/.test(
    message ?? '',
  );
}
