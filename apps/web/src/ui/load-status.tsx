import { ErrorMessage, Loading } from './status';

interface LoadedQuery {
  isPending: boolean;
  isError: boolean;
  isFetching: boolean;
  error: unknown;
  refetch: () => unknown;
}

/** A query's loading line while it is pending, and its failure with a Retry button. */
export function LoadStatus({
  query,
  loading,
  failed,
}: {
  query: LoadedQuery;
  loading: string;
  failed: string;
}) {
  return (
    <>
      {query.isPending ? <Loading label={loading} /> : null}
      {query.isError ? (
        <ErrorMessage
          error={query.error}
          title={failed}
          onRetry={() => query.refetch()}
          retrying={query.isFetching}
        />
      ) : null}
    </>
  );
}
