import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

// Placeholder until the web UI issue: shows that the API process serves the built app.
function App() {
  return (
    <main>
      <h1>Keyhole</h1>
      <p>Scoped API keys for your meetings.</p>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
