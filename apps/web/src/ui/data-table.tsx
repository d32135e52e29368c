import type { ReactNode } from 'react';

interface DataTableProps {
  /** Classes after `table`, e.g. "table--stack key-table". */
  className: string;
  /** Read by screen readers only. */
  caption: ReactNode;
  /** One header cell a column. */
  columns: ReactNode[];
  /** The rows: a <tbody>'s content, or whole <tbody> elements with `bodies`. */
  children: ReactNode;
  /** The children are <tbody> elements themselves. */
  bodies?: boolean;
}

/** A scrollable table with a hidden caption and a header row of column headers. */
export function DataTable({ className, caption, columns, children, bodies = false }: DataTableProps) {
  return (
    <div className="table-wrap">
      <table className={`table ${className}`}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        {bodies ? children : <tbody>{children}</tbody>}
      </table>
    </div>
  );
}
