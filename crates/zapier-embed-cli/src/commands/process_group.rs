//! The process groups of `consume --exec` commands: each command runs in a group of its own, so
//! that killing it kills everything it started (`sh -c 'worker & wait'` leaves no orphan).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The groups of the commands running now, so that a second Ctrl-C can end them all at once.
#[derive(Clone, Default)]
pub struct Groups {
    live: Arc<Mutex<HashSet<u32>>>,
}

impl Groups {
    /// Takes charge of the group led by `pid` (a child started with `process_group(0)`).
    pub fn adopt(&self, pid: Option<u32>) -> GroupGuard {
        if let Some(pid) = pid {
            self.lock().insert(pid);
        }
        GroupGuard {
            pgid: pid,
            groups: self.clone(),
        }
    }

    /// Kills every group still running (SIGKILL to each whole group).
    pub fn kill_all(&self) {
        for pgid in self.lock().drain() {
            kill_group(pgid);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<u32>> {
        // A panic while holding this lock leaves a plain set behind: still usable.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One command's group: killed whole when the guard is dropped before [`reaped`](Self::reaped)
/// (a deadline, a failure after the start, the handler cancelled by the consumer).
pub struct GroupGuard {
    pgid: Option<u32>,
    groups: Groups,
}

impl GroupGuard {
    /// Kills the whole group now; the guard stays armed until [`reaped`](Self::reaped).
    pub fn kill(&self) {
        if let Some(pgid) = self.pgid {
            kill_group(pgid);
        }
    }

    /// The group leader exited and was waited for: the group is left alone from now on (its
    /// id may be reused once empty, so it must not be signalled any more).
    pub fn reaped(mut self) {
        if let Some(pgid) = self.pgid.take() {
            self.groups.lock().remove(&pgid);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            self.groups.lock().remove(&pgid);
            kill_group(pgid);
        }
    }
}

/// `kill(-pgid, SIGKILL)`; a group already gone (`ESRCH`) is fine.
#[cfg(unix)]
fn kill_group(pgid: u32) {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return;
    };
    // Never 0 or 1: `kill(0, ..)` would hit zembed's own group, `kill(-1, ..)` every process.
    if pgid <= 1 {
        return;
    }
    // SAFETY: kill(2) has no memory-safety preconditions; the argument is a plain integer.
    let _ = unsafe { libc::kill(-pgid, libc::SIGKILL) };
}

#[cfg(not(unix))]
fn kill_group(_pgid: u32) {
    // No process groups: the child itself is killed by `kill_on_drop`.
}
