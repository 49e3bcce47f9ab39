import { useState, type ReactNode } from 'react';

/** Renders only the rows in view, so lists of thousands of accounts scroll smoothly. */
export function VirtualRows<T>(props: {
  items: readonly T[];
  rowHeight: number;
  height: number;
  row: (item: T, index: number) => ReactNode;
  label: string;
}) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / props.rowHeight) - 10);
  const last = Math.min(props.items.length, Math.ceil((top + props.height) / props.rowHeight) + 10);
  return (
    <div
      role="rowgroup"
      aria-label={props.label}
      style={{ height: props.height, overflowY: 'auto', position: 'relative' }}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
    >
      <div style={{ height: props.items.length * props.rowHeight, position: 'relative' }}>
        {props.items.slice(first, last).map((item, i) => (
          <div
            key={first + i}
            style={{
              position: 'absolute',
              top: (first + i) * props.rowHeight,
              left: 0,
              right: 0,
              height: props.rowHeight,
            }}
          >
            {props.row(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
