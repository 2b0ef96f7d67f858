import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { httpApi } from './api/http-api.ts';
import { App } from './app.tsx';
import './styles.css';

// The bridge prints the address with its per-start token; take it out of the visible URL once read.
const token = new URLSearchParams(location.search).get('token') ?? '';
history.replaceState(null, '', location.pathname);
const root = document.getElementById('root');
if (root !== null)
  createRoot(root).render(
    <StrictMode>
      <App api={httpApi(token)} />
    </StrictMode>,
  );
