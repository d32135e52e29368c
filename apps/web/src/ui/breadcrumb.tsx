/**
 * Where a page sits in the product's own words ("Settings → Organization → Developer"): the last
 * item is the page itself. Settings and Organization are groupings, not pages, so they are text.
 */
export function Breadcrumb({ trail }: { trail: string[] }) {
  return (
    <nav className="breadcrumb" aria-label="Breadcrumb">
      <ol className="breadcrumb__list">
        {trail.map((item, i) => (
          <li
            key={item}
            className="breadcrumb__item"
            aria-current={i === trail.length - 1 ? 'page' : undefined}
          >
            {item}
          </li>
        ))}
      </ol>
    </nav>
  );
}
