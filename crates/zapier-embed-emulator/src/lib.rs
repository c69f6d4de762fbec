//! A faithful, stateful local emulator of Zapier's embedded APIs.
