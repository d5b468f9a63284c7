import path from 'node:path';
import type { Express } from 'express';
import { engine } from 'express-handlebars';

/** Handlebars with a main layout and partials; every `{{ }}` is HTML-escaped. */
export function configureViews(app: Express, viewsDir: string): void {
  const render = engine({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(viewsDir, 'layouts'),
    partialsDir: path.join(viewsDir, 'partials'),
    helpers: {
      eq: (a: unknown, b: unknown) => a === b,
    },
  });
  // express-handlebars reports through the callback too; the returned promise only mirrors it.
  app.engine('hbs', (file, options, callback) => {
    render(file, options, callback).catch(() => undefined);
  });
  app.set('view engine', 'hbs');
  app.set('views', viewsDir);
}
