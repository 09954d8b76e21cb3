// View-only settings that no other viewer shares: presenter mode and the help overlay.
const PRESENTER_KEY = 'raftlab.presenter';

function readPresenter(): boolean {
  try {
    return window.localStorage.getItem(PRESENTER_KEY) === '1';
  } catch {
    return false;
  }
}

export class UiState {
  presenter = $state(readPresenter());
  helpOpen = $state(false);
  /** Presenter mode's controls drawer. */
  drawerOpen = $state(false);

  togglePresenter(): void {
    this.presenter = !this.presenter;
    try {
      window.localStorage.setItem(PRESENTER_KEY, this.presenter ? '1' : '0');
    } catch {
      // Without storage the choice lasts for this page only.
    }
  }
}
