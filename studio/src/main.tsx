import { render } from 'preact';
import { App } from './app';
import { whenSignedOut } from './api';
import { checkSession, signedOut } from './session';
import './styles.css';

whenSignedOut(signedOut);
render(<App />, document.getElementById('app')!);
void checkSession();
