import { type QueryKey, useInfiniteQuery } from '@tanstack/react-query';
import { cursorPagesOptions } from './trpc';

/** A keyset-paged list (`{ items, nextCursor }` pages): its infinite query, and the items of every page so far. */
export function usePagedList<TPage extends { items: unknown[]; nextCursor: string | null }>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<TPage>,
) {
  const query = useInfiniteQuery(cursorPagesOptions(queryKey, fetchPage));
  const items: TPage['items'][number][] = query.data?.pages.flatMap((p) => p.items) ?? [];
  return { query, items };
}
