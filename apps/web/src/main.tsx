import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { createClient, createQueryClient, TRPCProvider } from './lib/trpc';
import { StepUpProvider } from './ui/step-up';
import { ToastProvider } from './ui/toasts';
import './styles.css';

const trpcClient = createClient();
const queryClient = createQueryClient(() => {
  // The session is gone: ask again who we are; a null answer shows the sign-in page.
  void queryClient.invalidateQueries({ queryKey: [['auth', 'me']] });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <ToastProvider>
          <StepUpProvider>
            <App />
          </StepUpProvider>
        </ToastProvider>
      </TRPCProvider>
    </QueryClientProvider>
  </StrictMode>,
);
