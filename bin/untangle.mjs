#!/usr/bin/env node
console.log("untangle bin ok")
