// The diagram's zoom and pan: the one place D3 touches the DOM, attached with {@attach}. Wheel
// zoom needs Ctrl (or ⌘) so that scrolling the page over the diagram still scrolls the page.
import { select, type ZoomBehavior, zoom, zoomIdentity } from 'd3';

export interface ZoomHandle {
  reset(): void;
}

export function zoomable(onReady: (handle: ZoomHandle) => void) {
  return (svg: SVGSVGElement) => {
    const content = svg.querySelector<SVGGElement>('g[data-zoom-content]');
    if (!content) return;
    const behaviour: ZoomBehavior<SVGSVGElement, unknown> = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.5, 4])
      .filter((event: Event) => {
        if (event.type === 'wheel') return (event as WheelEvent).ctrlKey || (event as WheelEvent).metaKey;
        if (event.type === 'dblclick') return false;
        return !(event as MouseEvent).button;
      })
      .on('zoom', (event: { transform: { toString(): string } }) => {
        content.setAttribute('transform', event.transform.toString());
        // Overlays drawn in the same coordinates (the flights) follow the zoom.
        for (const mirror of svg.parentElement?.querySelectorAll('g[data-zoom-mirror]') ?? []) {
          mirror.setAttribute('transform', event.transform.toString());
        }
      });
    const selection = select(svg);
    selection.call(behaviour);
    onReady({ reset: () => selection.call(behaviour.transform, zoomIdentity) });
    return () => {
      selection.on('.zoom', null);
    };
  };
}
